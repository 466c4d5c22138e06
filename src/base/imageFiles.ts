/** The file extensions faceparse treats as photos, for the CLI's folder walk and the dataset layouts alike. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.avif', '.heic', '.heif', '.gif', '.bmp'] as const;

/** True when `name` ends in one of IMAGE_EXTENSIONS (case-insensitive). */
export function hasImageExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && (IMAGE_EXTENSIONS as readonly string[]).includes(name.slice(dot).toLowerCase());
}
