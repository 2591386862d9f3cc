import { Module } from '@nestjs/common';
import { ReviewController } from './review.controller.js';
import { ReviewRepository } from './review.repository.js';
import { ReviewService } from './review.service.js';

/** Team review: comments on runs and experiments, run tags (baselines live on the experiment). */
@Module({
  controllers: [ReviewController],
  providers: [ReviewRepository, ReviewService],
})
export class ReviewModule {}
