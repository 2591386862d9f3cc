-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "evals" JSONB;

-- AlterTable
ALTER TABLE "LoadPoint" ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'load';

-- CreateTable
CREATE TABLE "EvalWorkItem" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "variantLabel" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "companionId" TEXT,
    "suite" JSONB NOT NULL,
    "outcomes" JSONB NOT NULL DEFAULT '[]',
    "progress" JSONB,
    "scoreVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalWorkItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalRecord" (
    "workItemId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "scoreVersion" INTEGER NOT NULL DEFAULT 0,
    "taskId" TEXT NOT NULL,
    "itemId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "variantLabel" TEXT NOT NULL,
    "parseStatus" TEXT NOT NULL,
    "correct" BOOLEAN NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "scores" JSONB NOT NULL,
    "extracted" TEXT,
    "reference" TEXT,
    "references" JSONB NOT NULL DEFAULT '[]',
    "promptHash" TEXT NOT NULL,
    "templateHash" TEXT NOT NULL,
    "prompt" JSONB,
    "content" TEXT,
    "reasoning" TEXT,
    "samples" JSONB,
    "item" JSONB,
    "inputTokens" INTEGER NOT NULL DEFAULT 0,
    "outputTokens" INTEGER NOT NULL DEFAULT 0,
    "reasoningTokens" INTEGER NOT NULL DEFAULT 0,
    "latencyMs" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "error" TEXT,
    "cacheKey" TEXT,

    CONSTRAINT "EvalRecord_pkey" PRIMARY KEY ("workItemId","attempt","scoreVersion","taskId","itemId")
);

-- CreateTable
CREATE TABLE "EvalBatch" (
    "workItemId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "batchIndex" INTEGER NOT NULL,
    "recordCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalBatch_pkey" PRIMARY KEY ("workItemId","attempt","batchIndex")
);

-- CreateTable
CREATE TABLE "EvalScore" (
    "workItemId" TEXT NOT NULL,
    "scoreVersion" INTEGER NOT NULL,
    "runId" TEXT NOT NULL,
    "tasks" JSONB NOT NULL,
    "suite" JSONB NOT NULL,
    "config" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalScore_pkey" PRIMARY KEY ("workItemId","scoreVersion")
);

-- CreateIndex
CREATE INDEX "EvalWorkItem_runId_idx" ON "EvalWorkItem"("runId");

-- CreateIndex
CREATE INDEX "EvalRecord_runId_scoreVersion_taskId_idx" ON "EvalRecord"("runId", "scoreVersion", "taskId");

-- CreateIndex
CREATE INDEX "EvalScore_runId_idx" ON "EvalScore"("runId");

-- AddForeignKey
ALTER TABLE "EvalWorkItem" ADD CONSTRAINT "EvalWorkItem_id_fkey" FOREIGN KEY ("id") REFERENCES "LoadPoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRecord" ADD CONSTRAINT "EvalRecord_workItemId_fkey" FOREIGN KEY ("workItemId") REFERENCES "EvalWorkItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalScore" ADD CONSTRAINT "EvalScore_workItemId_fkey" FOREIGN KEY ("workItemId") REFERENCES "EvalWorkItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;
