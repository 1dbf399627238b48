import type { ExecutionContext } from '@nestjs/common';

type Handler = ReturnType<ExecutionContext['getHandler']>;
type Controller = ReturnType<ExecutionContext['getClass']>;

/**
 * `read` of a route's decorator metadata, computed once per controller class and handler: the
 * metadata is fixed once the app is built, and each `Reflector` lookup walks reflect-metadata's
 * maps up the prototype chain on every request (bench profiles). Keyed by class and handler
 * both, since one inherited handler may serve two controllers with different class decorators.
 */
export function perRoute<T>(read: (handler: Handler, controller: Controller) => T): (context: ExecutionContext) => T {
  const byController = new WeakMap<Controller, WeakMap<Handler, { value: T }>>();
  return (context) => {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = byController.get(controller);
    if (!byHandler) byController.set(controller, (byHandler = new WeakMap()));
    let known = byHandler.get(handler);
    if (!known) byHandler.set(handler, (known = { value: read(handler, controller) }));
    return known.value;
  };
}
