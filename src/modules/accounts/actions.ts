import type { Request, Response } from 'express';
import { handleForm, lastValue, type FormPage } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import type { User } from './accounts.repository';
import { auth } from './auth.middleware';

/**
 * A button on a record's page (archive, pause…): a form with nothing but its CSRF token, posted to
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

/** What the confirmation page (views/confirm.ejs) says; `facts` are what happens, `keeps` what stays. */
export type Confirmation = {
  title: string;
  facts: string[];
  keeps?: string[];
  /** The button's words, e.g. "Delete schedule". */
  button: string;
  danger?: boolean;
  cancel: string;
  /** Said instead of the button when the action cannot be done (the reason), with no form at all. */
  refusal?: string;
  /** Sent with the confirmation, as decided on the page (who takes over what a teammate owned). */
  fields?: [string, string][];
  /** A choice that changes what the page says (a GET form drawing it again), e.g. who takes over. */
  choice?: {
    name: string;
    label: string;
    options: { value: string; label: string }[];
    selected: string;
    button: string;
  };
};

/**
 * A destructive or mass action, confirmed on a page of its own (works without JavaScript): GET `path` shows
 * the page; POST `path` acts only with `confirm=yes`, which only that page sends. Any other POST (an old
 * one-click form, a stray request) comes back to the page, having done nothing. A refusal redraws the page
 * with the reason.
 */
export const confirmedAction = (
  what: string,
  confirmation: (req: Request, res: Response) => Promise<Confirmation>,
  use: (workspaceId: string, id: string, user: User, req: Request) => Promise<string>,
) => {
  const page: FormPage = async (req, res) => ({ ...(await confirmation(req, res)), action: req.originalUrl });
  return {
    show: async (req: Request, res: Response) =>
      res.render('confirm', { ...(await page(req, res)), values: {}, errors: {} }),
    act: handleForm({
      view: 'confirm',
      page,
      run: (_input, req) => {
        if (lastValue((req.body as Record<string, unknown> | undefined)?.confirm) !== 'yes') return req.originalUrl;
        const { workspace, user } = auth(req);
        return use(workspace.id, idParam(req.params.id, what), user, req);
      },
    }),
  };
};
