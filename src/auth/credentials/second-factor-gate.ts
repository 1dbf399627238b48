import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { of, type Observable } from 'rxjs';
import type { MfaChallengeView } from '../../mfa/mfa-login.service.js';

/** The two sign-in styles: where a second step or a passkey sign-in finishes. */
export type LoginStyle = 'cookie' | 'jwt';

/** Which style a login route signs in to, set by `LoginRoute`. */
export const LOGIN_STYLE = 'auth:login-style';

/** Where the login guard leaves the second-step challenge of an account with a second factor. */
const SECOND_FACTOR = 'secondFactor';

export const loginStyleOf = (context: ExecutionContext): LoginStyle =>
  Reflect.getMetadata(LOGIN_STYLE, context.getHandler()) as LoginStyle;

export const setSecondFactor = (req: object, challenge: MfaChallengeView): void => {
  (req as Record<string, unknown>)[SECOND_FACTOR] = challenge;
};

export const secondFactorOf = (req: object): MfaChallengeView | undefined =>
  (req as Record<string, MfaChallengeView | undefined>)[SECOND_FACTOR];

/**
 * A right password of an account with a second factor ends here: the answer is the challenge, and
 * the login handler (which would open a session and set a cookie or issue tokens) never runs.
 */
@Injectable()
export class SecondFactorGate implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const challenge = secondFactorOf(context.switchToHttp().getRequest<object>());
    return challenge ? of(challenge) : next.handle();
  }
}
