import type { MigrationContext } from '../src/platform/migrator';

/**
 * A survey in several languages (en, fr, de, es).
 *
 * - `surveys.subject`: the invitation's subject in the survey's default language ('' means the title, as before).
 * - `surveys.translations`: the subject and intro line in the other languages, `{"fr": {"subject", "intro"}}`.
 *   They are settings of the survey, like the title and the default intro: not versioned.
 * - The question texts, scale labels and choice labels of the other languages are not here: they live inside
 *   each question of `survey_versions.questions` (`translations`), so they are frozen with the version that an
 *   answer points at (see src/modules/surveys/README.md).
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE surveys
      ADD COLUMN subject text NOT NULL DEFAULT '' CHECK (length(subject) <= 200),
      ADD COLUMN translations jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(translations) = 'object');
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`ALTER TABLE surveys DROP COLUMN subject, DROP COLUMN translations;`);
}
