-- The spine measures #459 (back pain), #461 (leg pain) and #471 (ODI), both strata
-- (lumbarFusion, lumbarDiscectomy), as one hand-written DuckDB script: the engine's
-- best case, against which the full pipeline is benchmarked. Written from the
-- measures' rules, not from the dbt models.
--
-- Placeholders (written here without their double braces), replaced as
-- literal text by bench/floor.py:
--   seeds             folder of the value-set seed CSVs (read at run time)
--   as_of             YYYY-MM-DD
--   performance_year  YYYY
--   procedure_value_sets
--                     a subquery over the strata's procedure value-set seeds:
--                     stratum, code, code_system, role
--   medical_claim, eligibility, pain_score, functional_status
--                     a subquery over the landing folder's files of that table
--                     (identical files once) or over the warehouse floor's table
--                     loaded from them; every column text, each column named in
--                     floor.py present (null when no file has it)
-- The script ends by creating table floor_episodes.

set threads = 2;
set memory_limit = '3GB';
set preserve_insertion_order = false;

-- Text as the loader keeps it: trimmed (spaces), empty means missing.
create or replace temp macro txt(x) as nullif(trim(x), '');
-- ISO date, or a timestamp whose date part is used; anything else is null.
create or replace temp macro iso_date(x) as
    case when regexp_matches(txt(x), '^\d{4}-\d{2}-\d{2}([T ].*)?$')
         then try_cast(substr(txt(x), 1, 10) as date) end;
-- An optional date column is usable when it is empty or parses.
create or replace temp macro date_ok(x) as txt(x) is null or iso_date(x) is not null;
create or replace temp macro add_months(d, n) as cast(d + to_months(n) as date);
-- Exact decimal without trailing zeros: 8.1000000 -> 8.1, 5.0000000 -> 5.
create or replace temp macro fmt(x) as rtrim(rtrim(cast(x as varchar), '0'), '.');

create or replace temp table params as
select date '{{as_of}}' as as_of, {{performance_year}} as performance_year;

-- The two strata of measure #459, as measure.md states them. A follow-up bound is
-- the procedure date + <months> calendar months + <days> days; precedence 1 wins
-- when both strata have a procedure on the same person, payer and date.
create or replace temp table stratum as
select
    name as stratum, precedence,
    start_months, start_days, target_months, end_months, end_days,
    make_date(p.performance_year + start_year, start_month, start_day) as period_start,
    make_date(p.performance_year + end_year, end_month, end_day) as period_end
from (values
    ('lumbarFusion', 1, 9, 0, 12, 15, 0, -2, 10, 1, -1, 9, 30),
    ('lumbarDiscectomy', 2, 0, 42, 3, 0, 140, -1, 8, 1, 0, 7, 31)
) v(name, precedence, start_months, start_days, target_months, end_months, end_days,
    start_year, start_month, start_day, end_year, end_month, end_day),
params p;

-- The measures of the family: the instrument each reads and its met thresholds
-- (follow-up at most, or improvement at least), as measure.md states them.
create or replace temp table measure as
select * from (values
    ('459', 'back', 3.0, 5.0),
    ('461', 'leg', 3.0, 5.0),
    ('471', 'ODI', 22.0, 30.0)
) v(measure_id, instrument, followup_max, improvement_min);

-- Value sets. Lists and regular expressions go into variables so that each
-- filter over ten million claim lines compares against constants.
create or replace temp table payer_alias as
select distinct replace(lower(trim(alias)), ' ', '') as alias, payer
from (
    select alias, payer from read_csv('{{seeds}}/payer_alias.csv', all_varchar = true)
    union all
    select payer, payer from read_csv('{{seeds}}/payer_alias.csv', all_varchar = true)
);

-- Primary procedure codes of both strata (add-on codes never start an episode).
-- floor.py renders procedure_value_sets as a union over the strata's seeds, each
-- row labelled with its stratum.
create or replace temp table procedure_code as
select stratum, upper(trim(code)) as code, code_system
from {{procedure_value_sets}}
where role = 'primary';

set variable cpt_primary = (select list(code) from procedure_code where code_system = 'CPT');
-- Any code in a '|'-joined list starting with one of the prefixes (leading spaces: untrimmed text).
set variable pcs_any_re = (
    select '(^|\|) *(' || string_agg(regexp_escape(code), '|') || ')'
    from procedure_code where code_system = 'ICD-10-PCS'
);
set variable exclusion_any_re = (
    select '(^|\|)(' || string_agg(regexp_escape(upper(trim(code_prefix))), '|') || ')'
    from read_csv('{{seeds}}/spine_exclusion.csv', all_varchar = true)
);

create or replace temp table quality_code as
select distinct trim(measure_id) as measure_id, trim(stratum) as stratum, trim(outcome) as outcome,
    trim(quality_code) as quality_code
from read_csv('{{seeds}}/quality_code.csv', all_varchar = true);

-- Claim lines that can matter: a procedure code (CPT or ICD-10-PCS) or an
-- exclusion diagnosis. Only those are typed and checked, so the ten million
-- other lines cost one cheap pass. A line the loader would quarantine (any
-- missing required value or unparseable date/number) is dropped here too.
create or replace temp table claim_line as
with candidate as (
    select *,
        list_contains(getvariable('cpt_primary'), upper(txt(hcpcs_code))) as cpt_code,
        regexp_matches(upper(concat_ws('|', *columns('^procedure_code_\d+$'))),
                       getvariable('pcs_any_re')) as pcs_code,
        -- Diagnosis codes come with and without dots, sometimes in lower case.
        regexp_matches(replace(replace(upper(concat_ws('|', *columns('^diagnosis_code_\d+$'))),
                                       '.', ''), ' ', ''),
                       getvariable('exclusion_any_re')) as exclusion_dx
    from {{medical_claim}}
),
usable as (
    select *, iso_date(claim_line_start_date) as start_date
    from candidate
    -- CASE rather than AND: the optimizer would run the cheap-looking checks
    -- on all ten million lines first; this way only candidates are checked.
    where case when cpt_code or pcs_code or exclusion_dx then
              txt(claim_id) is not null
              and txt(person_id) is not null
              and txt(payer) is not null
              and try_cast(txt(claim_line_number) as integer) is not null
              and iso_date(claim_line_start_date) is not null
              and date_ok(claim_line_end_date)
          else false end
      -- COLUMNS(...) in WHERE: one copy per procedure_date_N, ANDed.
      and case when cpt_code or pcs_code or exclusion_dx then
              date_ok(columns('^procedure_date_\d+$'))
          else false end
)
select
    txt(u.person_id) as person_id,
    a.payer,  -- null: unmapped payer
    u.start_date,
    exclusion_dx,
    -- CPT codes start an episode on professional lines only.
    case when cpt_code and coalesce(lower(txt(claim_type)), 'professional') = 'professional'
         then upper(txt(hcpcs_code)) end as cpt,
    -- Position N in both lists; one COLUMNS(...) per expression only.
    case when pcs_code then [*columns('^procedure_code_\d+$')] end as procedure_codes,
    case when pcs_code then [*columns('^procedure_date_\d+$')] end as procedure_dates
from usable u
left join payer_alias a on a.alias = replace(lower(trim(u.payer)), ' ', '')
where u.start_date <= (select as_of from params);

-- One procedure per stratum, person, canonical payer and date. ICD-10-PCS
-- procedures are dated procedure_date_N, else the line's start date.
create or replace temp table procedure as
with pcs as (
    select person_id, payer, start_date,
           unnest(procedure_codes) as code, unnest(procedure_dates) as code_date
    from claim_line
    where procedure_codes is not null
)
select distinct stratum, person_id, payer, procedure_date
from (
    select p.stratum, c.person_id, c.payer, c.start_date as procedure_date
    from claim_line c
    join procedure_code p on p.code_system = 'CPT' and p.code = c.cpt
    union all
    select p.stratum, x.person_id, x.payer, coalesce(iso_date(x.code_date), x.start_date)
    from pcs x
    join procedure_code p on p.code_system = 'ICD-10-PCS' and starts_with(upper(txt(x.code)), p.code)
)
where payer is not null and procedure_date <= (select as_of from params);

-- One episode per person, payer and date: a fusion and a discectomy on the same
-- day are one fusion episode (lowest precedence number wins). This is decided
-- before the periods, which differ by stratum: a fusion outside this year's
-- fusion period still takes its day away from the discectomy stratum.
create or replace temp table episode_any_period as
select p.stratum, p.person_id, p.payer, p.procedure_date
from procedure p
join stratum s using (stratum)
qualify row_number() over (
    partition by p.person_id, p.payer, p.procedure_date order by s.precedence
) = 1;

-- A birth date is usable only when all usable rows of the person agree on it.
create or replace temp table person_birth as
with usable as (
    select txt(person_id) as person_id, iso_date(birth_date) as birth_date
    from {{eligibility}}
    where date_ok(enrollment_start_date) and date_ok(enrollment_end_date)
)
select person_id, min(birth_date) as birth_date
from usable
where person_id is not null and birth_date is not null
group by person_id
having min(birth_date) = max(birth_date);

-- Published episodes: in the period of their stratum, 18 or older on the day that
-- period starts (for fusion the 1 October on or before the procedure).
create or replace temp table episode as
select e.*
from episode_any_period e
join stratum s using (stratum)
join person_birth b using (person_id)
where e.procedure_date between s.period_start and s.period_end
  and b.birth_date <= cast(s.period_start - interval 18 year as date);

-- Pain scores on the 0-10 scale, back for #459 and leg for #461. Multiplying by 0.1
-- stays DECIMAL (a division would give DOUBLE), so 8.1 - 3.1 >= 5.0 holds exactly.
create or replace temp table pain_score as
with typed as (
    select
        txt(person_id) as person_id,
        iso_date(assessment_date) as assessment_date,
        lower(txt(body_site)) as body_site,
        upper(txt(instrument)) as instrument,
        try_cast(txt(score) as decimal(18, 6)) as value,
        try_cast(txt(scale_max) as integer) as scale_max
    from {{pain_score}}
)
select
    case body_site when 'back' then '459' else '461' end as measure_id,
    person_id,
    assessment_date,
    cast(value * (case scale_max when 10 then 1.0 when 100 then 0.1 end) as decimal(18, 7)) as score
from typed
where person_id in (select person_id from episode)
  and assessment_date <= (select as_of from params)
  and body_site in ('back', 'leg')
  and instrument in ('NRS', 'VAS')
  and scale_max in (10, 100)
  and not (instrument = 'NRS' and scale_max <> 10)
  and value between 0 and scale_max;

-- ODI 2.1a questionnaires (#471), 0-100: the score sent, or from the ten section answers
-- (0-5, blank when unanswered) sum / (5 x answered) x 100 rounded half up, with at most
-- one unanswered; a score and answers both given must agree. Anything else is unusable.
create or replace temp table odi_score as
with typed as (
    select
        txt(person_id) as person_id,
        iso_date(assessment_date) as assessment_date,
        upper(txt(instrument)) as instrument,
        lower(txt(version)) as version,
        txt(score) as score_text,
        try_cast(txt(score) as decimal(18, 6)) as value,
        [*columns('^item_\d+$')] as raw_items
    from {{functional_status}}
),
answered as (
    select *,
        list_filter(raw_items, lambda x: txt(x) is not null) as given,
        list_transform(list_filter(raw_items, lambda x: regexp_full_match(txt(x), '[+-]?0*[0-9]{1,9}')),
            lambda x: cast(txt(x) as integer)) as items
    from typed
),
scored as (
    select *,
        len(items) as n,
        case when len(items) >= 9
             then cast((40 * list_sum(items) + len(items)) // (2 * len(items)) as decimal(18, 6)) end
            as from_items
    from answered
)
select '471' as measure_id, person_id, assessment_date, cast(coalesce(value, from_items) as decimal(18, 7)) as score
from scored
where person_id in (select person_id from episode)
  and assessment_date <= (select as_of from params)
  and instrument = 'ODI' and version = '2.1a'
  and len(given) = n
  and list_bool_and(list_transform(items, lambda x: x between 0 and 5)) is not false
  and (score_text is null or value between 0 and 100)
  and (n >= 9 or (score_text is not null and n = 0))
  and (score_text is null or n = 0 or value = from_items);

create or replace temp table measure_score as
select * from pain_score
union all
select * from odi_score;

create or replace temp table excluded as
select distinct e.person_id, e.procedure_date
from episode e
join claim_line c
  on c.person_id = e.person_id
 and c.exclusion_dx
 and c.start_date between add_months(e.procedure_date, -12) and e.procedure_date;

-- Baseline: latest score in [procedure - 3 months, procedure]; same day: the lowest.
create or replace temp table baseline as
select s.measure_id, e.stratum, e.person_id, e.payer, e.procedure_date, s.assessment_date, s.score
from episode e
join measure_score s
  on s.person_id = e.person_id
 and s.assessment_date between add_months(e.procedure_date, -3) and e.procedure_date
qualify row_number() over (
    partition by s.measure_id, e.stratum, e.person_id, e.payer, e.procedure_date
    order by s.assessment_date desc, s.score asc
) = 1;

-- Follow-up bounds of each episode (fusion: + 9 .. + 15 months, target + 12 months;
-- discectomy: + 42 .. + 140 days, target + 3 months).
create or replace temp table followup as
select
    e.*,
    add_months(e.procedure_date, start_months) + start_days as window_start,
    add_months(e.procedure_date, target_months) as window_target,
    add_months(e.procedure_date, end_months) + end_days as window_end
from episode e
join stratum using (stratum);

-- Follow-up score ("one-year" for fusion): inside the window, closest to the
-- target; equally close: the later; same day: the highest.
create or replace temp table one_year as
select s.measure_id, w.stratum, w.person_id, w.payer, w.procedure_date, s.assessment_date, s.score
from followup w
join measure_score s
  on s.person_id = w.person_id
 and s.assessment_date between w.window_start and w.window_end
qualify row_number() over (
    partition by s.measure_id, w.stratum, w.person_id, w.payer, w.procedure_date
    order by abs(s.assessment_date - w.window_target), s.assessment_date desc, s.score desc
) = 1;

create or replace table floor_episodes as
with scored as (
    select
        m.measure_id,
        m.followup_max,
        m.improvement_min,
        w.stratum,
        w.person_id,
        w.payer,
        w.procedure_date,
        w.window_end,
        b.assessment_date as baseline_date,
        b.score as baseline,
        y.assessment_date as one_year_date,
        y.score as one_year,
        b.score - y.score as improvement,
        x.person_id is not null as is_excluded
    from followup w
    cross join measure m
    left join baseline b using (measure_id, stratum, person_id, payer, procedure_date)
    left join one_year y using (measure_id, stratum, person_id, payer, procedure_date)
    left join excluded x using (person_id, procedure_date)
),
judged as (
    select *,
        case
            when is_excluded then 'excluded'
            when one_year <= followup_max then 'met'
            when improvement >= improvement_min then 'met'
            when one_year is not null then 'not_met'
            when (select as_of from params) > window_end then 'not_measured'
            else 'pending'
        end as outcome
    from scored
)
select
    measure_id,
    stratum,
    person_id,
    payer,
    procedure_date,
    baseline_date,
    fmt(baseline) as baseline_score,
    one_year_date,
    fmt(one_year) as one_year_score,
    fmt(improvement) as improvement,
    outcome,
    q.quality_code
from judged
left join quality_code q using (measure_id, stratum, outcome)
order by measure_id, stratum, person_id, payer, procedure_date;
