-- The customs regimes (trade modes, 贸易方式) with Chinese and English names, and the row 'unspecified' for lines
-- from files without the column. A code the list lacks keeps its rows in the marts (names NULL).
{{ code_dimension('dim_regime_codes', 'regime_code') }}
