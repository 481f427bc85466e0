/** CSS imported as text by the widget bundle (esbuild `text` loader). */
declare module '*.css' {
  const text: string;
  export default text;
}
