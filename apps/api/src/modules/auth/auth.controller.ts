import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import {
  AgentCredentialListSchema,
  AgentCredentialSchema,
  ApiTokenListSchema,
  ApiTokenSchema,
  CreateAgentCredentialRequestSchema,
  CreateApiTokenRequestSchema,
  CreatedAgentCredentialSchema,
  CreatedApiTokenSchema,
  CreatedUserSchema,
  CreateUserRequestSchema,
  IdSchema,
  MeSchema,
  UpdateUserRequestSchema,
  UserListSchema,
  UserSchema,
  type CreateAgentCredentialRequest,
  type CreateApiTokenRequest,
  type CreateUserRequest,
  type UpdateUserRequest,
} from '@inferbench/contracts';
import { CurrentPrincipal, RequireScope } from '../../common/auth/decorators.js';
import type { Principal, UserPrincipal } from '../../common/auth/principal.js';
import { AppError } from '../../common/errors/app-error.js';
import { ApiContract, ApiTags } from '../../common/http/api-contract.js';
import { AuthService } from './auth.service.js';

function userPrincipal(p: Principal | undefined): UserPrincipal {
  if (!p || p.kind === 'agent') throw AppError.unauthorized();
  return p;
}

/** Who am I, users, API tokens and agent credentials (all but `GET /me` need scope admin: see scopes.ts). */
@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  @Get('me')
  @RequireScope('read')
  @ApiContract({ summary: 'Who the request is made as: user, role and scope', response: MeSchema })
  me(@CurrentPrincipal() p: Principal | undefined) {
    return this.auth.me(userPrincipal(p));
  }

  @Get('users')
  @ApiContract({ summary: 'Users (admin)', response: UserListSchema })
  listUsers() {
    return this.auth.listUsers();
  }

  @Post('users')
  @ApiContract({
    summary: 'Create a user (admin); without `password` a random one is returned once',
    body: CreateUserRequestSchema,
    response: CreatedUserSchema,
    status: 201,
    errors: [409],
  })
  createUser(@Body({ schema: CreateUserRequestSchema }) body: CreateUserRequest) {
    return this.auth.createUser(body);
  }

  @Patch('users/:id')
  @ApiContract({
    summary: 'Change a user: name, role, disabled, password (admin)',
    params: ['id'],
    body: UpdateUserRequestSchema,
    response: UserSchema,
    errors: [409],
  })
  updateUser(
    @Param('id', { schema: IdSchema }) id: string,
    @Body({ schema: UpdateUserRequestSchema }) body: UpdateUserRequest,
    @CurrentPrincipal() p: Principal | undefined,
  ) {
    return this.auth.updateUser(id, body, userPrincipal(p));
  }

  @Get('tokens')
  @ApiContract({
    summary: 'API tokens with their last use (admin); never the tokens themselves',
    response: ApiTokenListSchema,
  })
  listTokens() {
    return this.auth.listTokens();
  }

  @Post('tokens')
  @ApiContract({
    summary: 'Create a personal or service API token (admin); the token is in this answer only',
    body: CreateApiTokenRequestSchema,
    response: CreatedApiTokenSchema,
    status: 201,
  })
  createToken(
    @Body({ schema: CreateApiTokenRequestSchema }) body: CreateApiTokenRequest,
    @CurrentPrincipal() p: Principal | undefined,
  ) {
    return this.auth.createToken(body, userPrincipal(p));
  }

  @Delete('tokens/:id')
  @HttpCode(200)
  @ApiContract({ summary: 'Revoke an API token (admin)', params: ['id'], response: ApiTokenSchema })
  revokeToken(@Param('id', { schema: IdSchema }) id: string) {
    return this.auth.revokeToken(id);
  }

  @Get('agent-credentials')
  @ApiContract({ summary: 'Agent credentials per pool (admin)', response: AgentCredentialListSchema })
  listAgentCredentials() {
    return this.auth.listAgentCredentials();
  }

  @Post('agent-credentials')
  @ApiContract({
    summary: "Create an agent credential for a pool (admin); the agent's AGENT_TOKEN is in this answer only",
    body: CreateAgentCredentialRequestSchema,
    response: CreatedAgentCredentialSchema,
    status: 201,
  })
  createAgentCredential(
    @Body({ schema: CreateAgentCredentialRequestSchema }) body: CreateAgentCredentialRequest,
    @CurrentPrincipal() p: Principal | undefined,
  ) {
    return this.auth.createAgentCredential(body, userPrincipal(p));
  }

  @Delete('agent-credentials/:id')
  @HttpCode(200)
  @ApiContract({
    summary: 'Revoke an agent credential (admin)',
    params: ['id'],
    response: AgentCredentialSchema,
  })
  revokeAgentCredential(@Param('id', { schema: IdSchema }) id: string) {
    return this.auth.revokeAgentCredential(id);
  }
}
