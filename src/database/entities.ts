import { User } from '../users/user.entity.js';

/** Every entity, listed once for both the app and the TypeORM CLI (no globbing under ESM). */
export const entities = [User];
