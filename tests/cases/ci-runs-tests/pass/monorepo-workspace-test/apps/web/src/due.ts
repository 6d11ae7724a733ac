export const due = (hours: number) => hours >= 24;
