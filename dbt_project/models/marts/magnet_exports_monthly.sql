-- Rare-earth permanent magnets (HS 85051110): the press's "magnet exports", by partner and WORLD.
select *
from {{ ref('exports_by_group_monthly') }}
where product_group = 'magnets'
