-- AlterTable
ALTER TABLE "Target" ADD COLUMN     "connection" TEXT NOT NULL DEFAULT 'keep-alive',
ADD COLUMN     "tokenizer" JSONB;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "source" JSONB;

-- AlterTable
ALTER TABLE "LoadPoint" ADD COLUMN     "imported" JSONB;

-- CreateTable
CREATE TABLE "ImportFile" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "mediaType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "content" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ImportFile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ImportFile_runId_key" ON "ImportFile"("runId");

-- AddForeignKey
ALTER TABLE "ImportFile" ADD CONSTRAINT "ImportFile_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
