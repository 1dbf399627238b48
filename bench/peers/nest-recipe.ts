/**
 * The first alternative in the report: a NestJS app written the way the NestJS documentation's
 * authentication recipe (docs.nestjs.com/recipes/passport) builds it, on Nest's default adapter,
 * Express, as the recipe does (`NestFactory.create(AppModule)`). Its parts, as the recipe's files:
 * a `UsersService` with hard-coded users, an `AuthService` that checks a password and signs
 * `{ username, sub }` with `@nestjs/jwt`, a passport-local `LocalStrategy` behind
 * `POST /auth/login`, a passport-jwt `JwtStrategy` reading the Bearer token
 * (`ExtractJwt.fromAuthHeaderAsBearerToken()`, a string secret) and `GET /profile` behind
 * `AuthGuard('jwt')`, answering the user its `validate()` builds from the token.
 *
 * Per request it verifies the token's signature and expiry, and nothing else: no revocation check,
 * no user read (the recipe says so: the "stateless JWT" model).
 *
 * What differs from the recipe, for the bench only: the secret comes from the orchestrator
 * (`BENCH_NEST_RECIPE_SECRET`, still one string) rather than a constant in the source; the tokens
 * live an hour rather than 60 s, so that one outlives the run; Nest logs errors and warnings only
 * (the recipe keeps the default logger, which logs nothing per request either); and it answers the
 * orchestrator's IPC channel (lib/ipc.ts) like every bench server. It imports nothing of the app.
 */
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Post, Request, UnauthorizedException, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy as JwtPassportStrategy } from 'passport-jwt';
import { Strategy as LocalPassportStrategy } from 'passport-local';
import { failedToStart, serveOrchestrator } from '../lib/ipc.js';
import { NEST_RECIPE_USER } from './common.js';

/** The recipe's `jwtConstants.secret`: a string shared by signing and verifying. */
const secret = process.env.BENCH_NEST_RECIPE_SECRET ?? '';
if (secret.length < 32) failedToStart('Nest recipe server', new Error('BENCH_NEST_RECIPE_SECRET is not set'));

interface User {
  userId: number;
  username: string;
  password: string;
}

@Injectable()
class UsersService {
  private readonly users: User[] = [
    { userId: 1, ...NEST_RECIPE_USER },
    { userId: 2, username: 'maria', password: 'guess' },
  ];

  findOne(username: string): Promise<User | undefined> {
    return Promise.resolve(this.users.find((user) => user.username === username));
  }
}

@Injectable()
class AuthService {
  constructor(
    private readonly usersService: UsersService,
    private readonly jwtService: JwtService,
  ) {}

  async validateUser(username: string, pass: string): Promise<Omit<User, 'password'> | null> {
    const user = await this.usersService.findOne(username);
    if (user && user.password === pass) {
      const { password: _password, ...result } = user;
      return result;
    }
    return null;
  }

  login(user: Omit<User, 'password'>): { access_token: string } {
    const payload = { username: user.username, sub: user.userId };
    return { access_token: this.jwtService.sign(payload) };
  }
}

@Injectable()
class LocalStrategy extends PassportStrategy(LocalPassportStrategy) {
  constructor(private readonly authService: AuthService) {
    super();
  }

  async validate(username: string, password: string): Promise<Omit<User, 'password'>> {
    const user = await this.authService.validateUser(username, password);
    if (!user) throw new UnauthorizedException();
    return user;
  }
}

@Injectable()
class JwtStrategy extends PassportStrategy(JwtPassportStrategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: secret,
    });
  }

  validate(payload: { sub: number; username: string }): { userId: number; username: string } {
    return { userId: payload.sub, username: payload.username };
  }
}

@Injectable()
class LocalAuthGuard extends AuthGuard('local') {}

@Injectable()
class JwtAuthGuard extends AuthGuard('jwt') {}

@Module({ providers: [UsersService], exports: [UsersService] })
class UsersModule {}

@Module({
  imports: [UsersModule, PassportModule, JwtModule.register({ secret, signOptions: { expiresIn: '3600s' } })],
  providers: [AuthService, LocalStrategy, JwtStrategy],
  exports: [AuthService],
})
class AuthModule {}

@Controller()
class AppController {
  constructor(private readonly authService: AuthService) {}

  @UseGuards(LocalAuthGuard)
  @Post('auth/login')
  login(@Request() req: { user: Omit<User, 'password'> }): { access_token: string } {
    return this.authService.login(req.user);
  }

  @UseGuards(JwtAuthGuard)
  @Get('profile')
  getProfile(@Request() req: { user: unknown }): unknown {
    return req.user;
  }
}

@Module({ imports: [AuthModule, UsersModule], controllers: [AppController] })
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  serveOrchestrator({ port: address.port, close: () => app.close() });
}

main().catch((err: unknown) => failedToStart('Nest recipe server', err));
