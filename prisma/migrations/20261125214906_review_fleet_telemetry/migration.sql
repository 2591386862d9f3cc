-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "baselineRunId" TEXT;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "hints" JSONB,
ADD COLUMN     "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "LoadPoint" ADD COLUMN     "histograms" TEXT,
ADD COLUMN     "shardAttempts" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "telemetry" JSONB;

-- AlterTable
ALTER TABLE "RequestSample" DROP CONSTRAINT "RequestSample_pkey",
ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 0,
ADD CONSTRAINT "RequestSample_pkey" PRIMARY KEY ("loadPointId", "shardIndex", "attempt", "idx");

-- AlterTable
ALTER TABLE "IngestBatch" DROP CONSTRAINT "IngestBatch_pkey",
ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 0,
ADD CONSTRAINT "IngestBatch_pkey" PRIMARY KEY ("loadPointId", "shardIndex", "attempt", "batchSeq");

-- CreateTable
CREATE TABLE "Comment" (
    "id" TEXT NOT NULL,
    "experimentId" TEXT,
    "runId" TEXT,
    "author" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Comment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Comment_experimentId_createdAt_idx" ON "Comment"("experimentId", "createdAt");

-- CreateIndex
CREATE INDEX "Comment_runId_createdAt_idx" ON "Comment"("runId", "createdAt");

-- AddForeignKey
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
