/**
 * Raw SQL bound to one open transaction, whichever client opened it (the ingest pg pool or a Prisma transaction).
 * A write that spans two modules' tables in one transaction passes it to the other owner's repository method, so
 * each table's SQL stays in its owner's repository.
 */
export type SqlTx = <R>(text: string, values: readonly unknown[]) => Promise<R[]>;
