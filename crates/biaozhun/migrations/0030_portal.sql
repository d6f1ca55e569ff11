-- The portal's home page lists the newest publications of the catalogue and the latest TBT
-- notifications first (the id breaks ties, so the order is read from the index).
CREATE INDEX standards_published ON standards (published_at, id);
CREATE INDEX tbt_notifications_latest ON tbt_notifications (distribution_date, id);

-- The outline was issued by the city in December 2013 (the source names the month, not the
-- day). Earlier starts stored their own time as its publication date; correct that unless
-- staff have edited it since.
UPDATE articles SET published_at = 1385827200
 WHERE slug = 'guangzhou-standardization-outline-2013-2020' AND published_at = created_at;
