import { ApiProperty } from '@nestjs/swagger';
import { UserView } from '../../users/dto/user-view.dto.js';

export class CsrfTokenView {
  @ApiProperty({
    description: 'Send it as `X-CSRF-Token` on every POST, PUT, PATCH and DELETE made with the session cookie.',
  })
  csrfToken!: string;
}

export class SessionLoginView extends CsrfTokenView {
  @ApiProperty({ type: UserView }) user!: UserView;

  @ApiProperty({
    format: 'date-time',
    description:
      'When the session ends at the latest (absolute timeout). It ends earlier after SESSION_IDLE_TIMEOUT seconds without use.',
  })
  expiresAt!: string;
}
