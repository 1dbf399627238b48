import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength, Validate } from 'class-validator';
import { normalizeEmail } from '../email.js';
import { PasswordLength } from './password-length.validator.js';

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
    description: '12 to 128 characters (Unicode code points), never truncated.',
  })
  @IsString()
  @Validate(PasswordLength)
  password!: string;

  @ApiPropertyOptional({ example: 'Alice', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName?: string;
}
