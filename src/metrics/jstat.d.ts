/** The part of jstat (which ships no types) that intervals use. */
declare module 'jstat' {
  export const jStat: {
    studentt: { inv(p: number, dof: number): number };
  };
}
