/**
 * Little-endian binary tensors on disk (`.bin`): raw Int8, Int32 or Float32
 * values, no header; shapes and dtypes live in the JSON next to them.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';

const LITTLE = endianness() === 'LE';

export type BinArray = Int8Array | Int32Array | Float32Array;

/** The bytes of `values`, little-endian. */
export function toBytes(values: BinArray): Buffer {
  if (LITTLE || values instanceof Int8Array) {
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }
  const out = Buffer.alloc(values.byteLength);
  values.forEach((v, i) => {
    if (values instanceof Float32Array) out.writeFloatLE(v, i * 4);
    else out.writeInt32LE(v, i * 4);
  });
  return out;
}

function checkWidth(bytes: Buffer, width: number, file: string): Buffer {
  if (bytes.byteLength % width !== 0)
    throw new Error(`${file}: ${bytes.byteLength} bytes is not a multiple of ${width}`);
  return bytes;
}

function fromBytes<T extends BinArray>(bytes: Buffer, Ctor: { new (n: number): T; BYTES_PER_ELEMENT: number }): T {
  const width = Ctor.BYTES_PER_ELEMENT;
  const out = new Ctor(bytes.byteLength / width);
  for (let i = 0; i < out.length; i++) {
    if (width === 1) out[i] = bytes.readInt8(i);
    else if (out instanceof Float32Array) out[i] = bytes.readFloatLE(i * 4);
    else out[i] = bytes.readInt32LE(i * 4);
  }
  return out;
}

export async function writeBin(file: string, values: BinArray): Promise<void> {
  await writeFile(file, toBytes(values));
}

/** Write to `file.tmp`, then rename: readers never see a partial file. */
export async function writeFileAtomic(file: string, data: Buffer | string): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

export async function readF32(file: string): Promise<Float32Array> {
  const bytes = checkWidth(await readFile(file), 4, file);
  if (LITTLE) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return fromBytes(bytes, Float32Array);
}

export async function readI32(file: string): Promise<Int32Array> {
  const bytes = checkWidth(await readFile(file), 4, file);
  if (LITTLE) return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return fromBytes(bytes, Int32Array);
}

export async function readI8(file: string): Promise<Int8Array> {
  const bytes = await readFile(file);
  return new Int8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
