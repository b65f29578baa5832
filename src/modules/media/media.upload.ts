// Reading a picture upload: one multipart file part and a few short text fields, cut while
// streaming as soon as the file passes MEDIA_MAX_MB (busboy stops counting there and
// @fastify/multipart throws), so no more than the limit is ever held for one upload.
import type { FastifyRequest } from 'fastify';
import { AppError, problem } from '../../platform/problems.js';

export interface Upload {
  file: Buffer;
  fields: Record<string, string>;
}

export const uploadLimits = (maxBytes: number) => ({
  fileSize: maxBytes,
  files: 1,
  fields: 4,
  parts: 5,
  fieldSize: 1024,
  headerPairs: 50,
});

export const tooLarge = (maxBytes: number) =>
  problem.pictureTooLarge(`The picture is larger than ${maxBytes} bytes (MEDIA_MAX_MB).`, {
    extra: { max_bytes: maxBytes },
  });

const required = (field: string, detail: string) =>
  problem.validation(detail, { errors: [{ field, message: 'is required' }] });

/** The file of the multipart field `fileField` and the text fields named in `fieldNames`. */
export async function readUpload(
  req: FastifyRequest,
  fileField: string,
  fieldNames: readonly string[],
  maxBytes: number,
): Promise<Upload> {
  if (!req.isMultipart()) {
    throw problem.unsupportedMediaType(
      `Send multipart/form-data with the picture in the field "${fileField}".`,
    );
  }
  let file: Buffer | undefined;
  const fields: Record<string, string> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== fileField || file) {
          part.file.resume();
          throw problem.validation(`Send one file, in the field "${fileField}".`, {
            errors: [{ field: part.fieldname, message: 'unexpected file' }],
          });
        }
        const chunks: Buffer[] = [];
        for await (const chunk of part.file) chunks.push(chunk as Buffer);
        if (part.file.truncated) throw tooLarge(maxBytes);
        file = Buffer.concat(chunks);
      } else if (fieldNames.includes(part.fieldname) && typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      } else {
        throw problem.validation(`Unknown form field "${part.fieldname}".`, {
          errors: [{ field: part.fieldname, message: 'unknown field' }],
        });
      }
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxBytes);
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
      throw problem.validation(`Send one file, in the field "${fileField}", and no more fields.`);
    // busboy's own words: "Multipart: Boundary not found", "Unexpected end of form", ...
    throw problem.validation(`The multipart body cannot be read: ${(err as Error).message}.`, {
      errors: [{ field: fileField, message: 'send a complete multipart/form-data body' }],
    });
  }
  if (!file || file.length === 0)
    throw required(fileField, `Send the picture in the multipart field "${fileField}".`);
  for (const name of fieldNames)
    if (fields[name] === undefined) throw required(name, `The form field "${name}" is required.`);
  return { file, fields };
}
