import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksQueue } from './webhooks.queue.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

/** Experiment webhooks: signed run-ended notifications with retries, and their delivery log (WebhookDelivery). */
@Module({
  imports: [RunsModule, ExperimentsModule],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService, WebhooksQueue],
})
export class WebhooksModule {}
