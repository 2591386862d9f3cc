import { Inject, Injectable } from '@nestjs/common';
import { PrismaService, type Db } from '../../infra/prisma/prisma.service.js';

/** The original file of an imported run. */
export interface NewImportFile {
  fileName: string;
  mediaType: string;
  sha256: string;
  content: Uint8Array<ArrayBuffer>;
}

/**
 * The only code that touches the ImportFile table. Everything else an import writes (variant, placeholder target,
 * run, points, samples) goes through its owner's service, inside the import's transaction.
 */
@Injectable()
export class ImportsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async createImportFile(runId: string, file: NewImportFile, db: Db = this.prisma.client): Promise<void> {
    await db.importFile.create({
      data: {
        runId,
        fileName: file.fileName,
        mediaType: file.mediaType,
        size: file.content.byteLength,
        sha256: file.sha256,
        content: file.content,
      },
    });
  }

  async findImportFile(
    runId: string,
    db: Db = this.prisma.client,
  ): Promise<{ fileName: string; mediaType: string; sha256: string; content: Uint8Array } | null> {
    return db.importFile.findUnique({
      where: { runId },
      select: { fileName: true, mediaType: true, sha256: true, content: true },
    });
  }
}
