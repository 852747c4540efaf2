import { createFileRegistry, toBinary, type DescFile, type FileRegistry } from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import { FileDescriptorProtoSchema, type FileDescriptorSet } from '@bufbuild/protobuf/wkt';

/**
 * What server reflection looks up in a FileDescriptorSet: the file that defines a fully qualified name
 * (service, method, message, field, oneof, enum, enum value, extension, nested ones too), a file by its
 * path, and the extensions of a message. Building it runs `createFileRegistry`, which checks the set as
 * protoc does (every import present, every type resolved), so a broken set fails at start, not at a client.
 */
export class DescriptorIndex {
  readonly registry: FileRegistry;
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();
  private readonly encoded = new Map<DescFile, Uint8Array>();

  constructor(set: FileDescriptorSet) {
    this.registry = createFileRegistry(set);
    for (const file of this.registry.files) {
      this.files.set(file.proto.name, file);
      for (const type of nestedTypes(file)) {
        this.symbols.set(type.typeName, file);
        switch (type.kind) {
          case 'service':
            for (const method of type.methods) this.symbols.set(`${type.typeName}.${method.name}`, file);
            break;
          case 'message':
            for (const field of type.fields) this.symbols.set(`${type.typeName}.${field.name}`, file);
            for (const oneof of type.oneofs) this.symbols.set(`${type.typeName}.${oneof.name}`, file);
            // Map entries (`LabelsEntry`) are nested messages too, which nestedTypes leaves out.
            for (const nested of type.proto.nestedType) {
              if (!nested.options?.mapEntry) continue;
              this.symbols.set(`${type.typeName}.${nested.name}`, file);
              for (const field of nested.field) this.symbols.set(`${type.typeName}.${nested.name}.${field.name}`, file);
            }
            break;
          case 'enum': {
            // Enum values are scoped like C++ enumerators: siblings of their enum, not children of it.
            const scope = type.typeName.slice(0, Math.max(0, type.typeName.lastIndexOf('.')));
            for (const value of type.values) this.symbols.set(scope ? `${scope}.${value.name}` : value.name, file);
            break;
          }
          case 'extension':
            break;
        }
      }
    }
  }

  /** Whether the set describes this service (fully qualified name). */
  hasService(name: string): boolean {
    return this.registry.getService(name) !== undefined;
  }

  fileByName(path: string): DescFile | undefined {
    return this.files.get(path);
  }

  fileContainingSymbol(name: string): DescFile | undefined {
    return this.symbols.get(name.replace(/^\./, ''));
  }

  fileContainingExtension(extendee: string, number: number): DescFile | undefined {
    const message = this.registry.getMessage(extendee);
    return message ? this.registry.getExtensionFor(message, number)?.file : undefined;
  }

  /** The field numbers of every extension of a message, or undefined when the set has no such message. */
  extensionNumbersOf(extendee: string): number[] | undefined {
    if (!this.registry.getMessage(extendee)) return undefined;
    const numbers: number[] = [];
    for (const file of this.registry.files) {
      for (const type of nestedTypes(file)) {
        if (type.kind === 'extension' && type.extendee.typeName === extendee) numbers.push(type.number);
      }
    }
    return numbers.sort((a, b) => a - b);
  }

  /** The serialized FileDescriptorProto of a file, then of each of its imports, transitively, each once. */
  withDependencies(file: DescFile): Uint8Array[] {
    const seen = new Set<DescFile>();
    const visit = (next: DescFile) => {
      if (seen.has(next)) return;
      seen.add(next);
      for (const dependency of next.dependencies) visit(dependency);
    };
    visit(file);
    return [...seen].map((each) => this.encode(each));
  }

  private encode(file: DescFile): Uint8Array {
    let bytes = this.encoded.get(file);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      this.encoded.set(file, bytes);
    }
    return bytes;
  }
}
