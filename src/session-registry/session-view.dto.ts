import { ApiProperty } from '@nestjs/swagger';
import { SIGN_IN_METHODS, type SignInMethod } from './session-record.entity.js';
import type { SessionView } from './session-registry.service.js';

export class SessionViewDto implements SessionView {
  @ApiProperty({
    format: 'uuid',
    description: 'Public handle of the session (for a JWT session, the `sid` claim). Never a secret.',
  })
  id!: string;
  @ApiProperty({ example: 'cookie', description: '`cookie` or `jwt`: the style that signed in' }) kind!: string;
  @ApiProperty({ enum: SIGN_IN_METHODS, description: 'How the session signed in' }) method!: SignInMethod;
  @ApiProperty({ description: 'Whether this is the session of the request' }) current!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    format: 'date-time',
    description:
      'Last recorded use (a cookie session records it at most every tenth of the idle timeout; a JWT session at each refresh)',
  })
  lastSeenAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When the session ends if nothing else ends it first' })
  expiresAt!: string;
  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0' }) userAgent!: string | null;
}
