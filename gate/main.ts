/** `scenic gate`: not built yet, tracked in issue #5. */
export function main(): Promise<number> {
  console.error('scenic gate: this role is not built yet (issue #5)');
  return Promise.resolve(1);
}
