import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { normalizeEmail } from '../../users/email.js';
import { IsPassword } from '../../users/password-policy.js';

const NEW_PASSWORD_DOC = {
  example: 'a new passphrase of my own',
  minLength: 12,
  maxLength: 128,
  description:
    '12 to 128 characters (Unicode code points), never truncated, and not one of the most commonly used passwords.',
} as const;

/** A mailed token as the link carries it: 43 base64url characters; anything else is simply unknown. */
const TOKEN_DOC = {
  description: 'The `token` parameter of the link in the mail',
  example: 'token from the link in the mail',
} as const;

export class ChangePasswordDto {
  @ApiProperty({ example: 'correct horse battery staple', description: 'The password now in use' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  currentPassword!: string;

  @ApiProperty(NEW_PASSWORD_DOC)
  @IsPassword()
  newPassword!: string;
}

export class UpdateProfileDto {
  @ApiProperty({ type: String, nullable: true, example: 'Alice', maxLength: 100, description: '`null` clears it' })
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName!: string | null;
}

export class EmailDto {
  @ApiProperty({ example: 'alice@example.com' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value))
  @IsString()
  @MaxLength(320)
  @IsEmail({ allow_utf8_local_part: true, require_tld: false, allow_ip_domain: false })
  email!: string;
}

export class ResendDto {
  @ApiPropertyOptional({ example: 'alice@example.com', description: 'May be omitted by a signed-in caller' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value))
  @IsString()
  @MaxLength(320)
  @IsEmail({ allow_utf8_local_part: true, require_tld: false, allow_ip_domain: false })
  email?: string;
}

export class ResetPasswordDto {
  @ApiProperty(TOKEN_DOC)
  @IsString()
  @MaxLength(256)
  token!: string;

  @ApiProperty(NEW_PASSWORD_DOC)
  @IsPassword()
  newPassword!: string;
}

export class VerifyEmailDto {
  @ApiProperty(TOKEN_DOC)
  @IsString()
  @MaxLength(256)
  token!: string;
}

/** The one answer of forgot and resend, whatever the email. */
export class AcceptedView {
  @ApiProperty({ example: 'If an account exists for this address, a mail is on its way.' })
  message!: string;
}
