/** Off until `npm run measure:boost` shows the patterns help on the test splits (docs/MODELS.md). */
export const BOOST_ENABLED = false;
