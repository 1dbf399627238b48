import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { perRoute } from './per-route.js';

const MARK = 'per-route-spec:mark';

class Base {
  shared(this: void): void {}
}
@SetMetadata(MARK, 'first')
class First extends Base {
  @SetMetadata(MARK, 'own')
  own(this: void): void {}
}
@SetMetadata(MARK, 'second')
class Second extends Base {}

const contextOf = (controller: object, handler: object): ExecutionContext =>
  ({ getClass: () => controller, getHandler: () => handler }) as unknown as ExecutionContext;

describe('perRoute', () => {
  const reflector = new Reflector();
  let reads = 0;
  const mark = perRoute((handler, controller) => {
    reads++;
    return reflector.getAllAndOverride<string | undefined>(MARK, [handler, controller]);
  });

  it('answers what Reflector answers, per controller and handler, reading each route once', () => {
    const routes: [object, object, string][] = [
      [First, First.prototype.own, 'own'],
      [First, Base.prototype.shared, 'first'],
      // One inherited handler, two controllers: each gets its own class's metadata.
      [Second, Base.prototype.shared, 'second'],
    ];
    for (let round = 0; round < 3; round++)
      for (const [controller, handler, expected] of routes) expect(mark(contextOf(controller, handler))).toBe(expected);
    expect(reads).toBe(routes.length);
  });

  it('remembers a route without metadata too', () => {
    const before = reads;
    expect(mark(contextOf(Base, Base.prototype.shared))).toBeUndefined();
    expect(mark(contextOf(Base, Base.prototype.shared))).toBeUndefined();
    expect(reads).toBe(before + 1);
  });
});
