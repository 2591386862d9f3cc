import { Module } from '@nestjs/common';
import { CompareController } from './compare.controller.js';
import { CompareRepository } from './compare.repository.js';
import { CompareService } from './compare.service.js';

/** Cross-run and cross-variant comparison, distributions and the paged raw-samples table. */
@Module({
  controllers: [CompareController],
  providers: [CompareRepository, CompareService],
})
export class CompareModule {}
