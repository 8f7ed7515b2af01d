/** `scenic inventory ...`: wired to the inventory service by issue #3. */
export function main(_argv: string[]): Promise<number> {
  console.error('scenic inventory: not built yet (issue #3)');
  return Promise.resolve(1);
}
