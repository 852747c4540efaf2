/** The encode/decode pair every ts-proto message type has. */
export interface ProtoCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

export function encodeMessage<T>(codec: ProtoCodec<T>, message: T): Uint8Array {
  return codec.encode(message).finish();
}

export function decodeMessage<T>(codec: ProtoCodec<T>, bytes: Uint8Array): T {
  return codec.decode(bytes);
}
