-- A mailed token may carry the address it confirms (changing one's mail address).
ALTER TABLE email_tokens ADD COLUMN new_email TEXT;
