import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class TotpEnrolmentView {
  @ApiProperty({
    description: 'The base32 secret (160 bits), for typing into an authenticator app. Shown this once.',
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  })
  secret!: string;
  @ApiProperty({ example: 'otpauth://totp/Auth%20server:alice%40example.com?secret=JBSWY3DP…&issuer=Auth%20server' })
  otpauthUri!: string;
  @ApiProperty({ description: 'The otpauth URI as a QR code, an SVG document' })
  qrCodeSvg!: string;
}

export class ConfirmTotpDto {
  @ApiProperty({ description: 'The 6-digit code the authenticator app shows now', example: '123456' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class RecoveryCodesView {
  @ApiProperty({
    type: String,
    isArray: true,
    description: 'Ten single-use codes, shown this once; each signs in once in place of a TOTP code',
    example: ['7K3M-9QXR-2B8D-W4TZ'],
  })
  recoveryCodes!: string[];
}

export class MfaChallengeView {
  @ApiProperty({ enum: [true] }) mfaRequired!: true;
  @ApiProperty({ description: 'Send it to POST /auth/mfa/verify within 5 minutes; single use' })
  mfaToken!: string;
  @ApiProperty({ enum: ['totp', 'recovery_code'], isArray: true }) methods!: ('totp' | 'recovery_code')[];
}

/** `{mfaToken, code}` or `{mfaToken, recoveryCode}`: exactly one of the two (checked by the route). */
export class MfaVerifyDto {
  @ApiProperty({
    description: 'From the login answer `{mfaRequired: true, mfaToken, methods}`',
    example: 'mfaToken of the login answer',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  mfaToken!: string;

  @ApiProperty({ required: false, example: '123456', description: 'A TOTP code (or send recoveryCode)' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  @ApiProperty({ required: false, example: '7K3M-9QXR-2B8D-W4TZ', description: 'A recovery code (or send code)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  recoveryCode?: string;
}
