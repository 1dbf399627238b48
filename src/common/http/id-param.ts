import { type ArgumentMetadata, Param, ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '../errors.js';

/** ParseUUIDPipe, answering a non-UUID as `NOT_FOUND` and handing on the id in lower case. */
class IdPipe extends ParseUUIDPipe {
  constructor(notFound: string) {
    super({ exceptionFactory: () => new DomainError('NOT_FOUND', notFound) });
  }

  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    await super.transform(value, metadata);
    return value.toLowerCase();
  }
}

/**
 * A path id (`:name`) of one of our records, all UUIDs: one that is not a UUID names nothing, so it
 * gets the same 404 (with `notFound` as its message) as an unknown one, before any query runs.
 */
export const IdParam = (name: string, notFound: string): ParameterDecorator => Param(name, new IdPipe(notFound));
