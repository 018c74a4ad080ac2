import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import type { User } from './accounts.repository';
import { auth } from './auth.middleware';

/**
 * A button on a record's page (archive, pause, delete…): a form with nothing but its CSRF token, posted to
 * `/…/:id/<action>`. The id is checked, the use case runs in the signed-in person's workspace, and returns
 * where to go.
 */
export const recordAction = (what: string, use: (workspaceId: string, id: string, user: User) => Promise<string>) =>
  handleForm({
    run: (_input, req) => {
      const { workspace, user } = auth(req);
      return use(workspace.id, idParam(req.params.id, what), user);
    },
  });
