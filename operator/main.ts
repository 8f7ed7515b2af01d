/** `scenic operator`: not built yet, tracked in issue #6. */
export function main(): Promise<number> {
  console.error('scenic operator: this role is not built yet (issue #6)');
  return Promise.resolve(1);
}
