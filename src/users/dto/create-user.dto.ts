import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { normalizeEmail } from '../email.js';
import { IsPassword } from '../password-policy.js';

export class CreateUserDto {
  @ApiProperty({ example: 'alice@example.com', description: 'Trimmed, Unicode-normalised (NFKC) and lower-cased.' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value))
  @IsString()
  @MaxLength(320)
  @IsEmail({ allow_utf8_local_part: true, require_tld: false, allow_ip_domain: false })
  email!: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    minLength: 12,
    maxLength: 128,
    description:
      '12 to 128 characters (Unicode code points, after NFC normalisation), never truncated; no control characters (RFC 8265 OpaqueString), and not one of the most commonly used passwords.',
  })
  @IsString()
  @IsPassword()
  password!: string;

  @ApiPropertyOptional({ example: 'Alice', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName?: string;
}
