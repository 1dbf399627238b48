import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { UserView } from '../users/dto/user-view.dto.js';
import { ROLES, type Role, type User } from '../users/user.entity.js';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

export class UserListQueryDto {
  @ApiProperty({ required: false, description: 'Part of the email or the display name (any case)', example: 'alice' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  query?: string;

  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiProperty({ required: false, format: 'uuid', description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}

/** A user as an admin sees it: the public view, and the state of the account. */
export class AdminUserView extends UserView {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when sign-ins are refused; null when not locked',
  })
  lockedUntil!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The last successful sign-in' })
  lastLoginAt!: string | null;

  static ofAccount(user: User, lockedForSeconds: number, now = Date.now()): AdminUserView {
    return {
      ...UserView.of(user),
      lockedUntil: lockedForSeconds > 0 ? new Date(now + lockedForSeconds * 1000).toISOString() : null,
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    };
  }
}

export class AdminUserPage {
  @ApiProperty({ type: AdminUserView, isArray: true }) users!: AdminUserView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}

export class SetRolesDto {
  @ApiProperty({ enum: ROLES, isArray: true, example: ['user', 'admin'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];
}
