import type { Express } from 'express';

export type Route = { method: string; path: string };

/** Every (method, path) the app routes, read from Express 5's router stack: a new route is found without a list. */
export function routeTable(app: Express): Route[] {
  const out: Route[] = [];
  const walk = (
    stack: { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown } }[],
  ) => {
    for (const layer of stack) {
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
        for (const method of layer.route.methods._all ? ['get', 'post'] : methods)
          out.push({ method: method.toUpperCase(), path: layer.route.path });
      } else if (Array.isArray(layer.handle?.stack)) walk(layer.handle.stack as never);
    }
  };
  walk((app as unknown as { router: { stack: never } }).router.stack);
  return out;
}
