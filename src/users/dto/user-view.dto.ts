import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role, type User } from '../user.entity.js';

/** The public shape of a user: never the hash. */
export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'alice@example.com' }) email!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Alice' }) displayName!: string | null;
  @ApiProperty({ enum: ROLES, isArray: true, example: ['user'] }) roles!: Role[];
  @ApiProperty({ description: 'Proved by the link of the verification mail (or a password reset)' })
  emailVerified!: boolean;
  @ApiProperty({ description: 'A second factor is on' }) mfaEnabled!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static of(user: User): UserView {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      roles: user.roles,
      emailVerified: user.emailVerified,
      mfaEnabled: user.mfaEnabled,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
