import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/**
 * Login body of both styles. Only types and bounds are checked here, not the password policy: a
 * login must not reveal which rule a stored password would break. The email is normalised by the
 * credential check, not here, so that both styles normalise in one place.
 */
export class LoginDto {
  @ApiProperty({ example: 'alice@example.com' })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}
