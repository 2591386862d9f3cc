import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { AuditController } from './audit.controller.js';
import { AuditInterceptor } from './audit.interceptor.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/** The AuditLog table: every write through the API, by whom (interceptor), and an experiment's history of them. */
@Module({
  imports: [RunsModule, ExperimentsModule],
  controllers: [AuditController],
  providers: [AuditRepository, AuditService, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
})
export class AuditModule {}
