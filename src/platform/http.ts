import type { NextFunction, Request, Response } from 'express';

/**
 * Names the form a POST came from, so the one error handler can show that same form again with the
 * person's values and a message on each field, instead of a bare error page. Anything the route put in
 * res.locals before failing is still there for the view.
 */
export const formView = (view: string) => (_req: Request, res: Response, next: NextFunction) => {
  res.locals.formView = view;
  next();
};

export const wantsJson = (req: Request) => req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json';
