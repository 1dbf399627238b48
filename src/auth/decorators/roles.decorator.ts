import { SetMetadata } from '@nestjs/common';
import type { Role } from '../../users/user.entity.js';

export const ROLES = 'auth:roles';

/** The route needs a signed-in user holding every one of these roles (with either credential). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);
