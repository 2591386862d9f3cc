/** One broken dependency rule: the rule's name and the importing and imported files. */
export interface DependencyViolation {
  rule: string;
  from: string;
  to: string;
}
/** The folders that hold code, relative to the tree's root. */
export declare const CODE_ROOTS: string[];
/** Cruises the tree under `baseDir` (default: the repository) with .dependency-cruiser.cjs. */
export declare function checkDependencies(baseDir?: string): Promise<DependencyViolation[]>;
