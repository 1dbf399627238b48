import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { AUTH_EVENT_TYPES, type AuthEvent, type AuthEventType } from './auth-event.entity.js';

export class AuthEventView {
  @ApiProperty({ example: '1042' }) id!: string;
  @ApiProperty({ enum: AUTH_EVENT_TYPES }) type!: AuthEventType;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) userId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The admin who caused it, if any' })
  actorId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'The session concerned (see GET /auth/sessions)',
  })
  sessionId!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    example: { style: 'cookie' },
  })
  detail!: Record<string, string> | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static of(e: AuthEvent): AuthEventView {
    return {
      id: String(e.id),
      type: e.type,
      userId: e.userId,
      actorId: e.actorId,
      sessionId: e.sessionId,
      ip: e.ip,
      userAgent: e.userAgent,
      detail: e.detail,
      createdAt: e.createdAt.toISOString(),
    };
  }
}

export class AuthEventPage {
  @ApiProperty({ type: AuthEventView, isArray: true }) events!: AuthEventView[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last one',
  })
  nextCursor!: string | null;

  static of(page: { events: AuthEvent[]; nextCursor: string | null }): AuthEventPage {
    return { events: page.events.map((e) => AuthEventView.of(e)), nextCursor: page.nextCursor };
  }
}

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

/** Paging of any event list. */
export class PageQueryDto {
  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiProperty({ required: false, description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'cursor must be a value returned as nextCursor' })
  cursor?: string;
}

export class AuditQueryDto extends PageQueryDto {
  @ApiProperty({ required: false, format: 'uuid' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiProperty({ required: false, enum: AUTH_EVENT_TYPES })
  @IsOptional()
  @IsIn(AUTH_EVENT_TYPES)
  type?: AuthEventType;
}
