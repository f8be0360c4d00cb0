import fs from 'node:fs';

/** Debian package fonts-noto-cjk; the TTC holds the Simplified Chinese face under this PostScript name. */
export const CJK_FONT_PATH = process.env.OFM_CJK_FONT ?? '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
export const CJK_FONT_NAME = 'NotoSansCJKsc-Regular';

export function requireCjkFont(): string {
  if (!fs.existsSync(/*turbopackIgnore: true*/ CJK_FONT_PATH)) {
    throw new Error(`中文字体缺失 Chinese font not found: ${CJK_FONT_PATH} — install the Debian package fonts-noto-cjk (or set OFM_CJK_FONT)`);
  }
  return CJK_FONT_PATH;
}
