-- The provinces (registered location of the trading firm, 注册地) with Chinese and English names, and the row
-- 'unspecified' for lines from files without the column. A code the list lacks keeps its rows in the marts (names NULL).
{{ code_dimension('dim_province_codes', 'province_code') }}
