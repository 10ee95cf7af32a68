/** The part of jstat the report uses (the package ships no types). */
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: {
        /** Quantile of Student's t with `dof` degrees of freedom. */
        inv(p: number, dof: number): number;
        /** Distribution function of Student's t with `dof` degrees of freedom. */
        cdf(t: number, dof: number): number;
      };
    };
  };
  export default jstat;
}
