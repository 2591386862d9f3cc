-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Target" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "apiKind" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "apiKeyEnc" TEXT,
    "pool" TEXT NOT NULL DEFAULT 'default',
    "metricsUrl" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Target_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Experiment" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "workload" JSONB NOT NULL,
    "loadPlan" JSONB NOT NULL,
    "slo" JSONB,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Experiment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Variant" (
    "id" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "optimization" JSONB NOT NULL,
    "params" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Variant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "experimentId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "spec" JSONB NOT NULL,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "enqueuedAt" TIMESTAMP(3),

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoadPoint" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "variantId" TEXT,
    "variantLabel" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "level" JSONB NOT NULL,
    "levelLabel" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "shards" INTEGER NOT NULL DEFAULT 1,
    "samplesStored" INTEGER NOT NULL DEFAULT 0,
    "shardState" JSONB NOT NULL DEFAULT '{}',
    "summary" JSONB,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "LoadPoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RequestSample" (
    "loadPointId" TEXT NOT NULL,
    "shardIndex" INTEGER NOT NULL,
    "idx" INTEGER NOT NULL,
    "warmup" BOOLEAN NOT NULL DEFAULT false,
    "scheduledUs" DOUBLE PRECISION,
    "clientQueueUs" DOUBLE PRECISION,
    "sentUs" DOUBLE PRECISION NOT NULL,
    "firstChunkUs" DOUBLE PRECISION,
    "firstContentUs" DOUBLE PRECISION,
    "endUs" DOUBLE PRECISION NOT NULL,
    "chunkGapsUs" INTEGER[],
    "inputTokens" INTEGER NOT NULL,
    "outputTokens" INTEGER NOT NULL,
    "reasoningTokens" INTEGER NOT NULL DEFAULT 0,
    "tokenSource" TEXT NOT NULL,
    "clientOutputTokens" INTEGER,
    "httpStatus" INTEGER NOT NULL,
    "errorClass" TEXT,
    "errorMessage" TEXT,

    CONSTRAINT "RequestSample_pkey" PRIMARY KEY ("loadPointId","shardIndex","idx")
);

-- CreateTable
CREATE TABLE "IngestBatch" (
    "loadPointId" TEXT NOT NULL,
    "shardIndex" INTEGER NOT NULL,
    "batchSeq" INTEGER NOT NULL,
    "sampleCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IngestBatch_pkey" PRIMARY KEY ("loadPointId","shardIndex","batchSeq")
);

-- CreateTable
CREATE TABLE "Agent" (
    "id" TEXT NOT NULL,
    "pool" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "capabilities" JSONB NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMP(3) NOT NULL,
    "lastHeartbeatAt" TIMESTAMP(3) NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'idle',
    "currentJob" JSONB,

    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Target_name_key" ON "Target"("name");

-- CreateIndex
CREATE INDEX "Experiment_createdAt_idx" ON "Experiment"("createdAt");

-- CreateIndex
CREATE INDEX "Variant_targetId_idx" ON "Variant"("targetId");

-- CreateIndex
CREATE UNIQUE INDEX "Variant_experimentId_label_key" ON "Variant"("experimentId", "label");

-- CreateIndex
CREATE INDEX "Run_status_createdAt_idx" ON "Run"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Run_experimentId_createdAt_idx" ON "Run"("experimentId", "createdAt");

-- CreateIndex
CREATE INDEX "LoadPoint_status_idx" ON "LoadPoint"("status");

-- CreateIndex
CREATE UNIQUE INDEX "LoadPoint_runId_ordinal_key" ON "LoadPoint"("runId", "ordinal");

-- CreateIndex
CREATE INDEX "Agent_pool_idx" ON "Agent"("pool");

-- AddForeignKey
ALTER TABLE "Variant" ADD CONSTRAINT "Variant_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Variant" ADD CONSTRAINT "Variant_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "Target"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LoadPoint" ADD CONSTRAINT "LoadPoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LoadPoint" ADD CONSTRAINT "LoadPoint_variantId_fkey" FOREIGN KEY ("variantId") REFERENCES "Variant"("id") ON DELETE SET NULL ON UPDATE CASCADE;
