import QRCode from 'qrcode';

/** A QR code of `text` as inline SVG, drawn on the server (no script, nothing for the CSP to allow). */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}
