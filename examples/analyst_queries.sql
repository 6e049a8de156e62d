-- Questions analysts ask of the rare-earth marts, in SQL that runs unchanged on the published DuckDB
-- file, on the Parquet exports (as views) and on the PostgreSQL replica. The tests run every query on
-- all three and check they agree. Each query starts with "-- name:" and a one-line question.

-- name: us_magnets_by_month
-- US-bound rare-earth magnet exports by month, in tonnes, with the month-on-month change.
select month, tonnes, round(cast(mom_pct as numeric), 1) as mom_pct
from marts.magnet_exports_monthly
where partner_code = '502'
order by month;

-- name: top_magnet_destinations_last_month
-- The ten largest destinations of magnets in the latest month, with their share of the world total.
select partner_name_en, tonnes, round(cast(share_of_world_pct as numeric), 1) as share_pct
from marts.magnet_exports_monthly
where month = (select max(month) from marts.magnet_exports_monthly) and partner_code <> 'WORLD'
order by tonnes desc, partner_code
limit 10;

-- name: magnets_vs_all_rare_earth_growth
-- Did US-bound magnets grow less than all rare-earth exports? Month-on-month, side by side.
select month,
       round(cast(us_magnet_mom_pct as numeric), 1) as us_magnets_pct,
       round(cast(world_magnet_mom_pct as numeric), 1) as world_magnets_pct,
       round(cast(all_rare_earth_mom_pct as numeric), 1) as all_rare_earth_pct,
       magnets_lagging
from marts.monthly_headlines
order by month;

-- name: trough_and_recovery_since_export_controls
-- The trough of US-bound magnets after the April 2025 export controls, and each later month as a multiple of it.
with us as (
    select month, tonnes from marts.magnet_exports_monthly
    where partner_code = '502' and month >= date '2025-04-01'
),
trough as (select min(tonnes) as tonnes from us)
select us.month, us.tonnes, round(us.tonnes / trough.tonnes, 1) as times_the_trough,
       us.tonnes = trough.tonnes as is_trough
from us cross join trough
order by us.month;

-- name: year_to_date_vs_last_year
-- World magnet exports year to date, against the same months of the year before.
select cur.month, cur.ytd_tonnes, prev.ytd_tonnes as ytd_tonnes_year_before,
       round(100 * (cur.ytd_tonnes - prev.ytd_tonnes) / prev.ytd_tonnes, 1) as change_pct
from marts.magnet_exports_monthly as cur
join marts.magnet_exports_monthly as prev
  on prev.partner_code = cur.partner_code and prev.month = cast(cur.month - interval '1 year' as date)
where cur.partner_code = 'WORLD'
order by cur.month;

-- name: vintage_behind_each_month
-- Which file (and load vintage) each month's export figures come from: a revised month names its newer file.
select month, max(vintage) as newest_vintage, count(distinct source_file) as files, max(source_file) as newest_file
from marts.fct_trade_monthly
where flow = 'export'
group by month
order by month;

-- name: rare_earth_imports_by_partner
-- Where China imports rare earths from (metals, compounds, ferroalloys, magnets), by year, largest first.
select extract(year from month) as year, partner_name_en, product_group, sum(tonnes) as tonnes
from marts.fct_trade_monthly
where flow = 'import' and product_group <> 'other'
group by extract(year from month), partner_name_en, product_group
order by year, tonnes desc, partner_name_en, product_group;

-- name: value_per_kg_by_product_group
-- Export value per kilogram (US dollars) of each rare-earth product group, by year.
select extract(year from month) as year, product_group,
       round(sum(value_usd) / sum(quantity_kg), 2) as usd_per_kg
from marts.fct_trade_monthly
where flow = 'export' and product_group <> 'other' and quantity_kg > 0 and value_usd is not null
group by extract(year from month), product_group
order by year, product_group;

-- name: magnet_exports_by_province
-- Where magnet exports come from: each province's tonnes, share of world magnet exports and month-on-month change
-- in the latest three months ('unspecified' where the files carried no province column).
-- (numeric(18, 9): DuckDB's plain numeric has 3 decimals, which would round 39.8499... up before round(..., 1).)
select month, province_code, province_name_en, tonnes, round(cast(share_pct as numeric(18, 9)), 1) as share_pct,
       round(cast(mom_pct as numeric(18, 9)), 1) as mom_pct
from marts.exports_by_province_monthly
where product_group = 'magnets' and partner_code = 'WORLD'
  and month in (select distinct month from marts.exports_by_province_monthly order by month desc limit 3)
order by month desc, tonnes desc, province_code;

-- name: freshness
-- How fresh the marts are: the months and vintages each flow covers, and when they were published.
select flow, first_month, last_month, months, last_vintage, files
from marts.meta_publish
order by flow;

-- name: mirror_gap_us_magnets
-- China says its magnet exports to the US fell; did US-reported imports from China fall too? The mirror gap, by month.
select month, round(china_reported_tonnes, 1) as china_reported_tonnes,
       round(partner_reported_tonnes, 1) as us_reported_tonnes,
       round(tonnes_gap_pct, 1) as gap_pct,
       round(tonnes_gap_next_month_pct, 1) as gap_with_next_us_month_pct
from marts.mirror_trade_monthly
where partner_iso3 = 'USA' and product_group = 'magnets' and month >= date '2025-01-01'
order by month;
